from kmstui.cli import main

raise SystemExit(main())
