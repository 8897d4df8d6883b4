"""The sandbox's CRM state model: status lists, pipelines, user fields, smart processes, people.

Handlers in provisioner.sandbox.handlers stay thin and call these modules. Importing the package
registers the seeders that fill a new portal.
"""

from provisioner.sandbox.crm import people as _people  # noqa: F401
from provisioner.sandbox.crm import seed as _seed  # noqa: F401  (registers the seeders)
