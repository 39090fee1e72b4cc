# docs/capacity/plan's plot: cores each node kind needs (planned at 60% use) against page views/s.
terminal = "png"
set terminal terminal size 900,560
set output out
set title "Atelier: cores needed per node kind (measured CPU per request, 60% planned use)"
set xlabel "page views per second"
set ylabel "cores"
set logscale xy
set xrange [1000:1000000]
set grid
set key top left
set format x "%.0s%c"
plot dat using 1:2 with linespoints title "lb (NGINX, TLS)", \
     dat using 1:3 with linespoints title "API hosts", \
     dat using 1:4 with linespoints title "Redis", \
     dat using 1:5 with linespoints title "PostgreSQL replicas", \
     dat using 1:6 with linespoints title "PostgreSQL primary (cart)", \
     1 with lines dt 2 lc rgb "gray" title "1 core: the most one Redis process uses (single-threaded)"
