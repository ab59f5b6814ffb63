"""ProfilesPane: the type profile of each argument, local and feedback site of
the selected function, judged against the stability rule (samples and share),
and its inline caches (state, shapes and hits per site)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

STATE_STYLES = {"monomorphic": "green", "polymorphic": "yellow", "megamorphic": "red",
                "uninit": "dim", "mono": "green", "poly": "yellow", "mega": "bold red"}


class ProfilesPane(Static):
    shown = None
    def show(self, stats, rule) -> None:
        """``stats`` (a ``FunctionStats``) judged by ``rule`` (the Session's ``StabilityRule``)."""
        text = profiles_text(stats, rule)
        if text != self.shown:   # redraw (and lay out) only what changed
            self.shown = text
            self.update(text)


def profiles_text(stats, rule) -> Text:
    out = Text(no_wrap=True)
    out.append(f"stable = {rule.describe()}\n\n", style="dim")
    for kind, profiles in (("arg", stats.args), ("local", stats.locals)):
        for profile in profiles:
            out.append(f"{kind} {profile.name}: ", style="bold")
            out.append(f"{profile.shares() or 'no samples'} ({profile.samples} samples, ")
            out.append(profile.verdict, style="green" if profile.stable else "red")
            out.append(")\n")
    out.append("\nsites (pc, line, op: types seen)\n", style="bold")
    for site in stats.sites:
        seen = " | ".join(f"{','.join(key)} x{count}" for key, count in site.counts.items()) or "-"
        out.append(f"  pc {site.pc:<4} line {site.line:<4} {site.opcode:<14} ")
        out.append(f"{site.state:<13}", style=STATE_STYLES.get(site.state, "dim"))
        out.append(f" {seen}\n")
    caches = [site for site in stats.ics if site.listed]
    if caches:
        out.append("\ninline caches (pc, line, site: state, shapes and hits)\n", style="bold")
    width = max((len(site.text) for site in caches), default=0)
    for site in caches:
        out.append(f"  pc {site.pc:<4} line {site.line:<4} {site.text:<{width}}  ")
        out.append(f"{site.summary}", style=STATE_STYLES.get(site.state, ""))
        out.append(f"  {site.shares() or '-'}\n")
    return out
