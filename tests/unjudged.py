"""For tests that watch T1's generic path on code it runs slower than T0."""

from ruffdbg.jit.policy import NEVER


def keep_t1_units(session) -> None:
    """T1 units stay even where their own native run shows them slower than T0
    (a unit is judged after ``t1_judge_callbacks`` trips through the generic path)."""
    session.update_policy(t1_judge_callbacks=NEVER)
