"""The classroom screen: signed links and the service that hands them out."""
