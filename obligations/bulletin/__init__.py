"""督查通报 (the monthly or quarterly supervision bulletin, in Word) and 考核 (unit scores).

One job per module: ``periods`` (a month or a quarter), ``spec`` (period and filters),
``tallies`` (set-based counts of a period, in total and per unit: the one source of the
bulletin's figures and the scores' counts), ``score_rules`` (rule versions; the one in force for a
month) and ``score_rules_form``, ``unit_scores`` (scores per unit per month and per year, stored
once a month closes), ``contents`` (everything a bulletin prints), ``overdue_chart`` (matplotlib),
``gongwen`` (GB/T 9704 layout for python-docx), ``writer`` (the document), ``issue_numbers``
(第N期), ``bulletin_files`` (files, history, downloads), ``bulletin_form`` (the web form),
``scheduled`` (the monthly job).
"""
