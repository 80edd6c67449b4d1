"""Invention disclosures (职务科技成果披露), their pre-filing assessment (专利申请前评估) with outside
reviewers, and the road from a decision to file to the patent application, its grant or refusal, and
the listing draft made from them (issue 18, points 1–3)."""
