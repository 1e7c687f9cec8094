"""The words a study's page and printout use: each effect read in the right direction with
what it does not show, the design, the balance caveat, what matching corrected, and the other
methods' rows, on small hand-made summaries."""

from __future__ import annotations

from openpcn.evaluation import explain

DEFINITION = {
    "name": "ict",
    "ics": "11J",
    "intervention": {"kind": "event", "code": "OPENPCN-ICT-REFERRAL"},
    "controls": "other-pcns",
    "followup_months": 12,
    "prior_months": 6,
    "description": "Integrated care teams",
    "outcomes": ["emergency_admission", "ae"],
}


def _outcome(ratio, low, high, outcome="emergency_admission", label="emergency admissions"):
    return {"outcome": outcome, "label": label, "rate_ratio": ratio, "ci_low": low, "ci_high": high}


def test_a_decrease_is_an_association_not_proof():
    words = explain.effect(_outcome(0.80, 0.70, 0.91))
    assert words.startswith("Emergency admissions: 20% fewer among the people who received")
    assert "rate ratio 0.80, 95% confidence interval 0.70 to 0.91" in words
    assert "This is an association" in words


def test_an_increase_may_be_unmet_need_not_harm():
    words = explain.effect(_outcome(1.25, 1.10, 1.42, "ae", "A&E attendances"))
    assert words.startswith("A&E attendances: 25% more")
    assert "This does not show the service reduced A&E attendances" in words
    assert "it may have found unmet need" in words and "not the same as harm" in words


def test_an_interval_across_one_is_no_clear_difference_and_says_its_span():
    words = explain.effect(_outcome(0.95, 0.81, 1.13))
    assert "no clear difference" in words
    assert "anything from 19% fewer to 13% more fits the data" in words
    assert "does not show the service made no difference" in words
    wide = explain.effect(_outcome(3.8, 0.98, 14.71))
    assert "from 2% fewer to 14.7 times as many" in wide


def test_no_estimate_is_said_as_such():
    assert "no estimate" in explain.effect(_outcome(None, None, None))


def test_the_design_names_who_was_treated_compared_with_whom_and_over_what():
    lines = explain.design(DEFINITION, "psm")
    text = " ".join(lines)
    assert lines[0] == "Integrated care teams"
    assert "people with the coded event OPENPCN-ICT-REFERRAL" in text
    assert "registered in PCNs where nobody was treated" in text
    assert "6 months before" in text and "12 months after" in text
    assert "emergency admissions, A&E attendances" in text
    assert "propensity score matching" in text
    filed = DEFINITION | {"intervention": {"kind": "file", "people": 1234}}
    assert "the 1,234 people listed in the service's file" in " ".join(explain.design(filed))


def test_caveats_put_balance_first_then_each_effect_and_what_matching_corrected():
    summary = {
        "balance": [
            {"covariate": "age", "label": "age", "smd_after": 0.02},
            {"covariate": "efi", "label": "frailty", "smd_after": -0.15},
        ],
        "outcomes": [_outcome(0.8, 0.7, 0.91)],
        "naive": [_outcome(3.46, 2.49, 4.8)],
    }
    lines = explain.caveats(summary)
    assert explain.unbalanced(summary) == ["frailty"]
    assert lines[0].startswith("The matched groups still differ on frailty")
    assert lines[1].startswith("Emergency admissions: 20% fewer")
    assert "would have looked 3.46 times as common" in lines[2]
    assert "after matching the ratio is 0.80" in lines[2]


def test_the_other_methods_become_one_row_per_method_and_outcome():
    summary = {
        "sensitivity": {
            "other_methods": [
                {
                    "method": "cem",
                    "n_matched": 71,
                    "rate_ratio": {"emergency_admission": 0.87, "ae": 0.92},
                    "ci_low": {"emergency_admission": 0.6, "ae": 0.64},
                    "ci_high": {"emergency_admission": 1.27, "ae": 1.31},
                }
            ]
        }
    }
    rows = explain.other_method_rows(summary)
    assert [(r["method"], r["outcome"], r["rate_ratio"], r["ci_low"]) for r in rows] == [
        ("cem", "emergency_admission", 0.87, 0.6),
        ("cem", "ae", 0.92, 0.64),
    ]
    assert rows[1]["label"] == "A&E attendances"


def test_a_narrow_interval_across_one_says_any_effect_is_small():
    words = explain.effect(_outcome(0.94, 0.89, 1.01, "ae", "A&E attendances"))
    assert "no clear difference" in words and "any effect is small" in words
    assert "too small to tell" not in words


def test_more_deaths_are_not_read_as_caused_by_the_service():
    words = explain.effect(_outcome(1.9, 1.6, 2.2, "death", "deaths"))
    assert words.startswith("Deaths: 90% more")
    assert "This does not show the service caused deaths" in words
    assert "unmet need" not in words
