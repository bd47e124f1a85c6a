// gateway-bench: the measurements of issue 7 (see BENCHMARKS.md for a run and what it says).
Bench(options: Options.parse(Array(CommandLine.arguments.dropFirst()))).run()
