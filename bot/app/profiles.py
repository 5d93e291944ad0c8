"""What the platform says of a member, taken in while their command is worked on.

An adapter that has to ask the platform who a member is (Slack's ``users.info``) hands
the bot an :class:`~bot.commands.Actor` whose ``later`` gives that answer. A member
already saved needs none of it for most commands: the command goes ahead with what is
stored, the member is answered, and then what the platform said (a new name, a new
time zone) is saved if it differs. A newcomer waits for it, to be saved with it (see
:class:`bot.use_cases.NewMember`), and so does a command that checks admin rights
(:data:`bot.use_cases.ADMIN_RIGHTS`), which are never taken from an earlier answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot import use_cases
from bot.commands import Actor, Command
from bot.domain import Member
from bot.ports import Conflict, StorageUnavailable, UnitOfWork

log = logging.getLogger(__name__)


async def actor_for(actor: Actor, command: Command) -> Actor:
    """The actor a command's transaction runs with: with the platform's answer if the
    command checks admin rights, else as the adapter gave it."""
    return await actor.complete() if type(command) in use_cases.ADMIN_RIGHTS else actor


async def keep_up(
    unit_of_work: Callable[[], UnitOfWork], actor: Actor, stored: Member | None = None
) -> None:
    """Once the platform has answered, save the member's name and time zone if they
    differ from what is stored (as a command found it, ``stored``, or as read now);
    nothing is written if not, nor for a member erased meanwhile."""
    if actor.later is None:
        return
    said = await actor.complete()
    if stored is not None and not use_cases.profile_changes(stored, said):
        return
    try:
        async with unit_of_work() as uow:
            community = await uow.communities.get_by_key(said.community_key)
            member = (
                await uow.members.get_by_platform_id(community.id, said.user_id)
                if community is not None and community.id is not None
                else None
            )
            changes = use_cases.profile_changes(member, said) if member is not None else {}
            if not changes:  # as stored, or erased meanwhile (never made again here)
                return
            for name, value in changes.items():
                setattr(member, name, value)
            await uow.commit()
    except (StorageUnavailable, Conflict) as error:
        # Saved at the member's next command instead.
        log.warning("could not save what the platform says of %s: %s", said.user_id, error)
    except Exception:
        log.exception("could not save what the platform says of %s", said.user_id)
