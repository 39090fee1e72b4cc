# Page views per second around a start or a rolling restart (scripts/bench-restart), from the TSV
# restart_series.py writes (second, req/s, share of steady, failed). Variables: tsv, png, label.
set terminal pngcairo size 1100,420 noenhanced font "sans,10"
set output png
set datafile separator "\t"
set datafile commentschars "#"
set title "page views per second (" . label . ")"
set xlabel "seconds since the measurement began"
set ylabel "share of the steady rate"
set yrange [0:1.3]
set grid
set key bottom right
plot tsv using 1:3 with linespoints title "req/s / steady", 0.9 with lines dashtype 2 title "90%"
