"""OS Code-Point Open: postcode unit centroids (no header; 10 columns, see the OS column list).

Eastings/northings are British National Grid (EPSG:27700) and are converted to WGS84
latitude/longitude with pyproj (no OSTN15 grid shift: metres of error, fine for maps and
distances between practices). The postcode field is fixed width ("BH151AE", "BH1 1AA"); we
normalise it to the usual form ("BH15 1AE").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pyproj import Transformer

from openpcn.codes import POSTCODE
from openpcn.sources import loader
from openpcn.sources.common import (
    check_unique,
    fail_at,
    matches,
    normalise_postcode,
    parse_numbers,
    read_csv_text,
)
from openpcn.store.importer import Loaded

# Code-Point Open column order (Doc/Code-Point_Open_Column_Headers.csv).
COLUMNS = [
    "Postcode",
    "Positional_quality_indicator",
    "Eastings",
    "Northings",
    "Country_code",
    "NHS_regional_HA_code",
    "NHS_HA_code",
    "Admin_county_code",
    "Admin_district_code",
    "Admin_ward_code",
]
SOURCE = "Code-Point Open"
_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def read(path: Path) -> pd.DataFrame:
    """postcode, easting, northing, lat, lon (6 decimals), district_code, one row per postcode."""
    name = path.name
    raw = read_csv_text(path, header=False, columns=len(COLUMNS))
    frame = raw.set_axis(COLUMNS, axis=1)
    postcode = normalise_postcode(frame["Postcode"])
    fail_at(
        ~matches(postcode, POSTCODE),
        "not a valid postcode",
        file=name,
        column="Postcode",
        fix="postcodes look like BH9 2XF",
        first_row=1,
    )
    check_unique(
        frame.assign(Postcode=postcode), ["Postcode"], file=name, first_row=1, what="postcode"
    )
    east = parse_numbers(frame, "Eastings", file=name, first_row=1)
    north = parse_numbers(frame, "Northings", file=name, first_row=1)
    lon, lat = _TO_WGS84.transform(east.to_numpy(), north.to_numpy())
    located = (east > 0) & (north > 0)  # 0,0 marks a postcode without a grid reference
    return pd.DataFrame(
        {
            "postcode": postcode,
            "easting": east,
            "northing": north,
            "lat": pd.Series(lat, index=frame.index).round(6).where(located),
            "lon": pd.Series(lon, index=frame.index).round(6).where(located),
            "district_code": frame["Admin_district_code"],
        }
    )


@loader("postcodes")
def load(path: Path) -> Loaded:
    """Coordinates for practices by postcode: an update of existing practices, never an insert.

    The frame is keyed by postcode, not practice code, and marked update-only, so the importer
    keeps only the postcodes of practices already in the warehouse (when there is one) and its
    upsert by postcode updates lat, lon and coord_source of those practices and adds no rows.
    """
    centroids = read(path).dropna(subset=["lat"])
    practices = centroids[["postcode", "lat", "lon"]].assign(
        coord_source=pd.Series(f"{SOURCE} ({path.name})", index=centroids.index, dtype="string")
    )
    return Loaded(
        frames={"practices": practices},
        merge_on={"practices": ("postcode",)},
        update_only=frozenset({"practices"}),
        note="update-only: sets lat/lon/coord_source of practices whose postcode is listed",
    )
