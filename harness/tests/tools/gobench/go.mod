module example.com/slogatebench

go 1.19
