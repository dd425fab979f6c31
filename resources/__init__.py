"""Resources: storage root, lake IO manager and the source resources of every domain."""
