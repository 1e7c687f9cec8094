"""The IIF calculator: points achieved x GBP per point x list-size adjustment, from a file."""

import pytest

from openpcn.exceptions import InputError
from openpcn.funding.iif import Achievement, iif_payment, read_achievement
from openpcn.funding.rules import rules_for


def test_points_achieved_times_rate_times_list_adjustment(tmp_path):
    path = tmp_path / "iif.csv"
    path.write_text("indicator,points_available,achieved_fraction\nSMR-01,100,0.5\nCAN-01,94,1\n")
    result = iif_payment(rules_for("2020/21"), 47613.91, read_achievement(path))
    # 100 x 0.5 + 94 x 1 = 144 points x GBP 111 x (47,613.91 / 47,613.91) = 15,984.00
    assert result["points_achieved"] == 144
    assert result["payment"] == 15984.00
    assert result["iif_max"] == 21534.00  # 194 x 111
    assert result["prevalence_adjustment"] is None


def test_a_smaller_pcn_earns_in_proportion_to_its_list():
    result = iif_payment(rules_for("2021/22"), 10000, [Achievement("X", 10, 1.0)])
    assert result["payment"] == 420.05  # 10 x 200 x 10,000 / 47,613.91 = 420.0453


def test_no_iif_before_2020_21():
    with pytest.raises(InputError, match="no IIF in 2019/20"):
        iif_payment(rules_for("2019/20"), 10000, [])


def test_more_points_than_the_year_offers_is_refused():
    with pytest.raises(InputError, match="offers 200 points"):
        iif_payment(rules_for("2020/21"), 10000, [Achievement("X", 200, 1.0)])


@pytest.mark.parametrize(
    ("body", "row", "column"),
    [
        ("A,10,1.5\n", 2, "achieved_fraction"),
        ("A,-1,0.5\n", 2, "points_available"),
        ("A,10,half\n", 2, "achieved_fraction"),
        ("A,10,0.5\nA,5,0.5\n", 3, "indicator"),
    ],
)
def test_a_bad_row_names_row_and_column(tmp_path, body, row, column):
    path = tmp_path / "iif.csv"
    path.write_text("indicator,points_available,achieved_fraction\n" + body)
    with pytest.raises(InputError) as err:
        read_achievement(path)
    assert (err.value.where.row, err.value.where.column) == (row, column)
