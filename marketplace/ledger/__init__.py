"""The revenue ledger (促进科技成果转化法 art. 45): each university's split between inventors, the
technology-transfer office and the university, inventors' contribution shares per listing, and
ledger lines that add up exactly to every payment received (and reverse it on refund)."""
