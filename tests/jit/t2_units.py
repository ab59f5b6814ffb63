"""What the tests of T2's native object code share: a run through the Session,
and the T2 units a function runs now."""

from __future__ import annotations

from ruffdbg.session import Policy, Session


def run(text: str, jit: bool = True, threshold: int | None = 100) -> tuple[Session, str]:
    output: list[str] = []
    session = Session(Policy(jit=jit, threshold=threshold if jit else None), write=output.append)
    result = session.run_source(text, "t.ruff")
    assert result.ok, result.error and result.error.message
    return session, "".join(output)


def current_t2(session: Session, name: str):
    return [unit for unit in session.assumptions(name) if unit.current and unit.tier == "T2"]
