import gc


def test_collect_garbage():
    gc.collect()
