"""The companion app's kinds: `call_card` and `tasks` (its configuration and its bindings on the
portal). The app itself, which the portal calls, is `provisioner.companion`."""
