# RSS of each host over a soak run (scripts/soak). Variables from the command line:
#   out, terminal (png | pngcairo), data (TSV: minutes, then one RSS column in MB per host),
#   hosts (number of host columns), title
set terminal terminal size 900,450
set output out
set title title
set xlabel "minutes"
set ylabel "RSS (MB)"
set key bottom right
set grid
set yrange [0:*]
set offsets 0, 0, graph 0.15, 0
plot for [i=1:hosts] data using 1:(column(i + 1)) with linespoints pointsize 0.5 title sprintf("host %d", i)
