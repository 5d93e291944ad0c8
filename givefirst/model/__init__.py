"""The sentence model givefirst ships (see ``NOTICE.txt`` in this folder)."""
