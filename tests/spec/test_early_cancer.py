"""Early cancer diagnosis: lower-GI urgent referrals with and without a FIT; screening
non-responders."""

from openpcn.cohorts.engine import run

from .conftest import DAY, World, members

LGI, FIT, NON_RESPONSE = "276401000000108", "1049361000000101", "384241000000100"


def world() -> World:
    w = World()
    w.patient("referred-with-fit").event("referred-with-fit", LGI, 50).event(
        "referred-with-fit", FIT, 60, 15.0
    )
    w.patient("referred-no-fit").event("referred-no-fit", LGI, 50)
    w.patient("referred-old-fit").event("referred-old-fit", LGI, 50).event(
        "referred-old-fit", FIT, 500, 3.0
    )
    w.patient("referred-long-ago").event("referred-long-ago", LGI, 800)
    w.patient("non-responder").event("non-responder", NON_RESPONSE, 300)
    w.patient("old-non-responder").event("old-non-responder", NON_RESPONSE, 800)
    return w


EXPECTED = {
    "referred-with-fit": {"early-cancer-lgi-with-fit"},
    "referred-no-fit": {"early-cancer-lgi-without-fit"},
    "referred-old-fit": {"early-cancer-lgi-without-fit"},
    "non-responder": {"early-cancer-screening-non-responders"},
}


def test_early_cancer_cohorts(engine, open_world):
    assert members(run(open_world(world(), engine), "early_cancer", DAY)) == EXPECTED
