"""On-demand answers: the triage and question-answering HTTP service and the ``appops`` CLI.

Reads the latest indexes from the lake through ``resources`` only (never ``assets``)."""
