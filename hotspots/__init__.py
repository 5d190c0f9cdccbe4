"""Opinion hotspots (群众反映强烈的突出问题): opinions that raise the same problem, grouped.

`engine` is the grouping itself (pure functions and an in-memory index, no Telegram, no
database); `quality` measures a grouping against labelled data."""
