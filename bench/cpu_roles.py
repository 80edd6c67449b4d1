"""CPU seconds each part of a benchmark used, read from /proc (Linux): which share of the cores
went to the pages, the live rooms, the database, the proxy and the load generators themselves.

    roles = CpuRoles({"pages": [pid, ...], "live": [...], ...})   # processes and their children
    before = roles.sample(); ...; print(roles.report(before, roles.sample(), seconds))

A process is counted under the first role whose root processes include it or one of its
ancestors; PostgreSQL, Redis and nginx processes are found by name. CPU that ran elsewhere on
the machine is reported as "other".
"""

import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_BY_NAME = {"postgres": "PostgreSQL", "redis-server": "Redis", "nginx": "nginx"}


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, CPU seconds so far)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        # utime + stime, and the same of its children that ended and were waited for (an RQ job's
        # work horse, a PostgreSQL backend that closed): those are in no /proc entry any more.
        seconds = sum(int(fields[k]) for k in (11, 12, 13, 14)) / _TICK
        found[int(entry.name)] = (int(fields[1]), name, seconds)
    return found


def _machine_seconds() -> float:
    """CPU seconds the whole machine has run (all cores, idle and iowait left out)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / _TICK


class CpuRoles:
    def __init__(self, roots: dict[str, list[int]]):
        self.roots = {role: set(pids) for role, pids in roots.items()}

    def _role(self, pid: int, processes: dict) -> str | None:
        seen = set()
        current = pid
        while current and current not in seen:
            seen.add(current)
            for role, pids in self.roots.items():
                if current in pids:
                    return role
            current = processes.get(current, (0,))[0]
        return _BY_NAME.get(processes[pid][1])

    def sample(self) -> tuple[float, dict[str, float], dict[int, float]]:
        processes = _processes()
        by_role: dict[str, float] = {}
        for pid in processes:
            role = self._role(pid, processes)
            if role:
                by_role[role] = by_role.get(role, 0.0) + processes[pid][2]
        return _machine_seconds(), by_role, {pid: info[2] for pid, info in processes.items()}

    @staticmethod
    def report(before, after, seconds: float) -> str:
        """CPU seconds per role between two samples, and as cores (seconds / wall seconds)."""
        total = after[0] - before[0]
        used = {role: after[1].get(role, 0.0) - before[1].get(role, 0.0) for role in after[1]}
        used["other"] = max(0.0, total - sum(used.values()))
        parts = [f"{role} {value:.1f} s ({value / seconds:.2f} cores)"
                 for role, value in sorted(used.items(), key=lambda item: -item[1])]
        return (f"CPU over {seconds:.0f} s: {total:.1f} s of {os.cpu_count() * seconds:.0f} "
                f"({total / seconds:.2f} of {os.cpu_count()} cores): " + ", ".join(parts))
