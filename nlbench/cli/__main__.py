from nlbench.cli import main

main()
