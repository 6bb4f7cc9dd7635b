# Plot chatlink-bench's throughput.dat: messages/s (sequential and pipelined)
# and p99 latency per client.
#   gnuplot -e "datafile='throughput.dat'; outfile='benchmarks.png'" bench/plot.gp
if (!exists("datafile")) datafile = 'throughput.dat'
if (!exists("outfile")) outfile = 'benchmarks.png'
set terminal pngcairo size 1100,480 font "sans,10"
set output outfile
set multiplot layout 1,2 title "chatlink-bench: 100-byte JSON messages, one thread, loopback (medians)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -30 scale 0
set grid ytics
set yrange [0:*]
set key top right
set ylabel "messages / s"
set title "Throughput"
plot datafile using 2:xtic(1) title "sequential", '' using 3 title "pipelined"
set ylabel "µs"
set title "Sequential round-trip latency"
plot datafile using 4:xtic(1) title "p50", '' using 5 title "p99"
unset multiplot
