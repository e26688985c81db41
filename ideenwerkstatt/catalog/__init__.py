"""The open-data catalogue: the platform's data sets described in DCAT-AP.de 2.0 (Turtle,
RDF/XML, JSON-LD) at /catalog, for open-data portals (GovData and the state portals) to
harvest."""
