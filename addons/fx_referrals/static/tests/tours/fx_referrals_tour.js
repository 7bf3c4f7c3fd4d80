// tour: see test_portal_tour.py
