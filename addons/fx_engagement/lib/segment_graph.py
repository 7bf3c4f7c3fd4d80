"""Dependencies between segments ("member of segment A"): cycles and order."""


def find_cycle(edges):
    """Return a list of nodes forming a cycle in ``edges`` ({node: {deps}}), or
    ``None``. The list starts and ends with the same node."""
    visiting, done = set(), set()
    path = []

    def visit(node):
        if node in done:
            return None
        if node in visiting:
            return path[path.index(node) :] + [node]
        visiting.add(node)
        path.append(node)
        for dep in sorted(edges.get(node, ())):
            cycle = visit(dep)
            if cycle:
                return cycle
        path.pop()
        visiting.discard(node)
        done.add(node)
        return None

    for node in sorted(edges):
        cycle = visit(node)
        if cycle:
            return cycle
    return None


def refresh_order(nodes, edges):
    """``nodes`` sorted so that every node comes after the nodes it depends on
    (dependencies outside ``nodes`` are ignored). Assumes no cycle."""
    nodes = list(nodes)
    wanted = set(nodes)
    ordered, seen = [], set()

    def visit(node):
        if node in seen:
            return
        seen.add(node)
        for dep in sorted(edges.get(node, ())):
            if dep in wanted:
                visit(dep)
        ordered.append(node)

    for node in nodes:
        visit(node)
    return ordered
