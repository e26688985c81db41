"""Mail: render from templates, queue in the outbox, deliver after the commit or by a worker."""
