"""Domain events: what happened, announced to whoever listens, so that the module where it
happens need not know (nor import) the modules that react to it.

Receivers connect where they live (``@need_published.connect``); the app factory imports
those modules (see ``app_setup.connect_event_receivers``).
"""

from blinker import Namespace

_events = Namespace()

# A need became published. Sender: the Need. Keywords: ``now`` (the moment), ``company_ids``
# (the companies the curator chose to tell, or None for every fitting company).
need_published = _events.signal("need-published")
