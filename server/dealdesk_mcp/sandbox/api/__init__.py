"""Special handlers, one module per resource family; importing the package registers them."""

from . import deals, fields_api, files, followers, leads, misc, projects, search

__all__ = ["deals", "fields_api", "files", "followers", "leads", "misc", "projects", "search"]
