from mash_tui.cli import main

raise SystemExit(main())
