module example.org/linkcheck

go 1.19
