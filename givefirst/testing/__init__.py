"""The test kit: local fake Slack and Discord servers speaking their real wire formats,
and migrated throwaway databases; used by the test suite and the benchmarks."""
