from threadpress.cli import main

raise SystemExit(main())
