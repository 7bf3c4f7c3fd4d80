from . import test_added_fact
