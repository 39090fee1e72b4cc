# Latency chart of one `scripts/bench` run, from the tables run.lua writes
# (latency_ms <TAB> count <TAB> cumulative_fraction, one line per distinct value).
# Variables (gnuplot -e): out, title, terminal ("pngcairo" or "png"),
#   main, main_label            the run against the stack
#   ceiling, ceiling_label      optional ("" = none): the static-NGINX ceiling run
# Left: share of requests per latency band (log-spaced bins). Right: the percentile spectrum,
# where the tail (p99, p99.9) is as readable as the median.
if (!exists("ceiling")) ceiling = ""
if (!exists("ceiling_label")) ceiling_label = "nginx static ceiling"
if (!exists("terminal")) terminal = "pngcairo"

if (terminal eq "pngcairo") {
  set terminal pngcairo size 1400,560 noenhanced font "sans,10"
} else {
  set terminal png size 1400,560 noenhanced
}
set output out
set datafile separator "\t"
set datafile commentschars "#"

# Totals for normalising the histogram: the last cumulative line has the sum of counts.
stats main using 2 nooutput
main_total = STATS_sum
if (ceiling ne "") { stats ceiling using 2 nooutput; ceiling_total = STATS_sum }

bins_per_decade = 20.0
bin(x) = 10 ** (floor(log10(x) * bins_per_decade) / bins_per_decade)
# Percentile spectrum x axis: 1/(1-q), so 90% -> 10, 99% -> 100, 99.9% -> 1000.
spectrum_x(q) = (q < 1) ? 1 / (1 - q) : NaN

set multiplot layout 1,2 title title font ",12"

set title "distribution"
set logscale x 10
set xlabel "latency (ms, log scale)"
set ylabel "share of requests (%)"
set grid xtics ytics mxtics
set key top right opaque
if (ceiling ne "") {
  plot main using (bin($1)):(100.0 * $2 / main_total) smooth frequency with steps lw 2 title main_label, \
       ceiling using (bin($1)):(100.0 * $2 / ceiling_total) smooth frequency with steps lw 2 dt 2 title ceiling_label
} else {
  plot main using (bin($1)):(100.0 * $2 / main_total) smooth frequency with steps lw 2 title main_label
}

set title "percentile spectrum"
set logscale xy 10
set xlabel "percentile"
set ylabel "latency (ms, log scale)"
set xtics ("0%%" 1, "50%%" 2, "90%%" 10, "99%%" 100, "99.9%%" 1000, "99.99%%" 10000, "99.999%%" 100000)
set key bottom right opaque
if (ceiling ne "") {
  plot main using (spectrum_x($3)):1 with lines lw 2 title main_label, \
       ceiling using (spectrum_x($3)):1 with lines lw 2 dt 2 title ceiling_label
} else {
  plot main using (spectrum_x($3)):1 with lines lw 2 title main_label
}

unset multiplot
