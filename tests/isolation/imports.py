"""Isolation specs of the case import pages."""
from roundtable.cases.models import ImportBatch
from roundtable.extensions import db
from tests.isolation import foreign, own


def world_extras(world):
    """A pending import batch of community B."""
    batch = ImportBatch(
        community_id=world.b.community.id,
        uploaded_by_id=world.b.secretary.id,
        filename="b.csv",
        file_format="csv",
        sha256="0" * 64,
        valid_rows=[],
        errors=[],
    )
    db.session.add(batch)
    db.session.flush()
    world.b.extra["import_batch"] = batch


SPECS = {
    "imports.upload": own("checks a file into the caller's own current community"),
    "imports.preview": foreign(lambda w: [("GET", f"/cases/import/{w.b.extra['import_batch'].id}")]),
    "imports.confirm": foreign(lambda w: [("POST", f"/cases/import/{w.b.extra['import_batch'].id}/confirm")]),
    "imports.discard": foreign(lambda w: [("POST", f"/cases/import/{w.b.extra['import_batch'].id}/discard")]),
}
