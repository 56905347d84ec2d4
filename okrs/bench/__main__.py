from okrs.bench.run import main

raise SystemExit(main())
