"""A burst of a few alike tickets unlike anything before them is carved out as its own cluster,
whatever the clustering seed: exact cosines and thresholds, no randomness."""

import numpy as np

from resources.nlp.topics import ClusterResult, carve_groups, novel_groups


def _vectors(seed: int = 0):
    rng = np.random.default_rng(seed)
    old, new = np.eye(16)[0], np.eye(16)[1]
    past = old + rng.normal(scale=0.05, size=(60, 16))  # the usual tickets
    usual = old + rng.normal(scale=0.05, size=(20, 16))  # more of them, recently
    burst = new + rng.normal(scale=0.05, size=(5, 16))  # a new root cause
    singles = rng.normal(size=(3, 16))  # unusual but unrelated
    vectors = np.vstack([past, usual, burst, singles])
    recent = np.r_[np.zeros(60, bool), np.ones(28, bool)]
    return vectors, recent


def test_a_small_burst_becomes_its_own_group_and_singles_do_not():
    vectors, recent = _vectors()
    groups = novel_groups(vectors, recent, novelty=0.7, link=0.8, min_size=4)
    assert [g.tolist() for g in groups] == [list(range(80, 85))]
    assert novel_groups(vectors, recent, min_size=6) == []  # below the minimum size: nothing


def test_carved_group_is_a_cluster_with_its_own_centroid_and_keywords():
    vectors, recent = _vectors()
    texts = ["serveur lent"] * 80 + ["crash appli ios"] * 5 + ["divers"] * 3
    labels = np.r_[np.zeros(85, int), -np.ones(3, int)]  # HDBSCAN put the burst in cluster 0
    groups = novel_groups(vectors, recent)
    carved = carve_groups(ClusterResult(labels=labels), vectors, texts, groups)
    assert set(carved.labels[80:85]) == {1} and set(carved.labels[:80]) == {0}
    assert "crash" in carved.keywords[1] and "crash" not in carved.keywords[0]
    assert float(carved.centroids[1] @ (np.eye(16)[1])) > 0.9


def test_a_known_kind_of_ticket_coming_much_faster_is_a_group_and_a_steady_one_is_not():
    """A burst that reads like a few earlier tickets (so not novel) but comes at many times
    their rate is a group with ``growth``; a cause as frequent now as before is not."""
    rng = np.random.default_rng(1)
    old, steady, rising = np.eye(16)[0], np.eye(16)[2], np.eye(16)[1]
    noise = lambda n: rng.normal(scale=0.05, size=(n, 16))  # noqa: E731
    past = np.vstack([old + noise(60), steady + noise(23), rising + noise(2)])  # 23 days
    now = np.vstack([old + noise(20), steady + noise(7), rising + noise(8)])  # 7 days
    vectors = np.vstack([past, now])
    recent = np.r_[np.zeros(len(past), bool), np.ones(len(now), bool)]
    assert novel_groups(vectors, recent) == []  # each has a close earlier look-alike
    groups = novel_groups(vectors, recent, growth=3.0, span_ratio=7 / 23)
    assert [g.tolist() for g in groups] == [list(range(len(past) + 27, len(past) + 35))]
    # the same eight tickets at the earlier pace (about 26 in the 23 days before) are no burst
    before = np.vstack([past, rising + noise(24)])
    again = np.vstack([before, now])
    recent = np.r_[np.zeros(len(before), bool), np.ones(len(now), bool)]
    assert novel_groups(again, recent, growth=3.0, span_ratio=7 / 23) == []


def test_a_group_that_is_already_most_of_a_cluster_is_not_carved_again():
    """A burst hidden in a larger cluster is carved; a cause HDBSCAN already has as a cluster
    is not (it would get a second, new id every day of its rise)."""
    from assets.tickets.clusters import unclustered

    labels = np.r_[np.zeros(20, int), np.ones(6, int), -np.ones(4, int)]
    hidden, found, outliers = np.arange(0, 4), np.arange(20, 26), np.arange(26, 30)
    kept = unclustered([hidden, found, outliers], ClusterResult(labels=labels))
    assert [g.tolist() for g in kept] == [hidden.tolist(), outliers.tolist()]
