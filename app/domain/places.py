"""Where a unit is, as lists and notices print it: 河北省石家庄市长安区."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Region


def full_names(session: Session, region_ids: Iterable[int | None]) -> dict[int, str]:
    """Each region's name preceded by its city's and its province's; one query per level (at most three)."""
    known: dict[int, tuple[str, int | None]] = {}
    wanted = {i for i in region_ids if i is not None}
    while wanted:
        rows = session.execute(select(Region.id, Region.name, Region.parent_id).where(Region.id.in_(wanted))).all()
        known.update({pk: (name, parent) for pk, name, parent in rows})
        wanted = {parent for _, _, parent in rows if parent is not None and parent not in known}
    names = {}
    for region_id in {i for i in region_ids if i is not None}:
        parts, node = [], region_id
        while node is not None and node in known:
            name, node = known[node]
            parts.append(name)
        names[region_id] = "".join(reversed(parts))
    return names
