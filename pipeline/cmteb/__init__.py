"""C-MTEB: the Chinese MTEB results, their sources, the three protocols and the link to the Hub.

Modules: ``tasks`` (the task tables in ``data/``), ``results_files`` (the results repository's file
formats), ``sources`` (the HF dataset ``mteb/results`` and a local results checkout), ``quality`` (bad
input), ``protocols`` (leaderboard, cpack2023, lenient), ``models`` (model metadata, zero-shot),
``mapping`` (MTEB names -> Hub ids, families), ``tables`` (a snapshot in the warehouse's shape),
``changes`` (between snapshots), ``snapshot`` (all of it for one source version), ``replay_dataset``
(the dataset the replay Hub serves).
"""
