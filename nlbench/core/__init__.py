"""The bottom layer: records and plugin protocols, boxes, text rows, errors, atomic files, config, registry, text tables."""
