"""Disease prevalence: QOF's published registers, the registers recorded in the patient records,
and the comparison of the two (docs/prevalence.md)."""
