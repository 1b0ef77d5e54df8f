"""The client's sync with the shared PostgreSQL database, as one wing.

Local work never waits for the network: every unit of work writes its rows and an outbox mutation
in one SQLite transaction, and this wing sends the outbox and brings back what other machines did.

- `connection`: reaching the shared database, with deadlines; who this machine is to it.
- `push`, `pull`, `rows`: the outbox sent, the change log brought back and written locally.
- `round`: one round of push and pull (`mash sync --once`); `loop`: the app's background sync.
- `status`: what waits, what the server refused of whose, the header's words.
- `conflicts`: edits the shared database kept side by side, and their resolution.
- `reference`, `reference_load`: reference data and policy loaded once and applied on every machine.
- `claims`: "take next" among concurrent takers, and which claims wait for the server's answer.
- `link`: the shared database as the services see it, filled into the context (`attach`).
- `admin`: `mash server init` and `mash server grant`.
- `faults`: named points where the crash tests stop the process; nothing in the app.

It sits above the services (it calls them, and they reach it only through `Context.shared`) and
beside the screens and commands that use it. The shared database's own code (schema, migrations,
applying mutations, logins) is `mash_tui.server`, which imports nothing of the client.
"""
