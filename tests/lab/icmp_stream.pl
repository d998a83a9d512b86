#!/usr/bin/perl
# A sequence-numbered ICMP echo stream at a fixed rate, for measuring failover outages.
#   icmp_stream.pl ADDRESS [INTERVAL_S]       (root: raw socket; stops on SIGINT/SIGTERM)
# Prints one line per event, flushed at once:
#   S <seq> <unix time>    echo request <seq> sent
#   R <seq> <unix time>    echo reply <seq> received
#   E <sent> <received>    at exit
# Why not `ping -i 0.002`: iputils ping counts every lost packet as still in flight, and
# with anything in flight it waits up to 10 ms per loop, so after the first loss it sends
# at ~100/s instead of 500/s and "missing x interval" is no longer the outage. This keeps
# the schedule (request k at start + k * interval) whatever is lost.
use strict;
use warnings;
use Socket qw(PF_INET SOCK_RAW inet_aton sockaddr_in);
use Time::HiRes qw(time);

my ($addr, $interval) = @ARGV;
die "usage: $0 ADDRESS [INTERVAL_S]\n" unless $addr;
$interval ||= 0.002;
my $dst = inet_aton($addr) or die "bad address $addr\n";
socket(my $sock, PF_INET, SOCK_RAW, getprotobyname('icmp')) or die "raw socket: $!\n";
my $to = sockaddr_in(0, $dst);
my $id = $$ & 0xffff;
$| = 1;

my $stop = 0;
$SIG{INT} = $SIG{TERM} = sub { $stop = 1 };

sub checksum {
  my $d = shift;
  $d .= "\0" if length($d) % 2;
  my $sum = 0;
  $sum += $_ for unpack('n*', $d);
  $sum = ($sum >> 16) + ($sum & 0xffff) while $sum >> 16;
  return ~$sum & 0xffff;
}

my ($seq, $sent, $received) = (0, 0, 0);
my $start = time;
my $next = $start;
while (!$stop) {
  my $now = time;
  # More than 10 intervals late (descheduled): start a new schedule instead of a burst.
  if ($now - $next > 10 * $interval) {
    $start = $now - $seq * $interval;
    $next = $now;
  }
  while (!$stop && $now >= $next) {
    # 32-bit sequence number in the payload (the 16-bit ICMP one wraps after 131 s).
    my $pkt = pack('CCnnn', 8, 0, 0, $id, $seq & 0xffff) . pack('N', $seq) . ('x' x 28);
    substr($pkt, 2, 2) = pack('n', checksum($pkt));
    if (send($sock, $pkt, 0, $to)) {
      printf "S %d %.6f\n", $seq, $now;
      $sent++;
    }
    $seq++;
    $next = $start + $seq * $interval;
  }
  my $wait = $next - time;
  $wait = 0 if $wait < 0;
  my $rin = '';
  vec($rin, fileno($sock), 1) = 1;
  my $n = select(my $rout = $rin, undef, undef, $wait);
  next unless $n && $n > 0;
  my $buf;
  next unless defined recv($sock, $buf, 1500, 0);
  my $t = time;
  my $ihl = (ord(substr($buf, 0, 1)) & 0x0f) * 4;
  next if length($buf) < $ihl + 12;
  my ($type, $code, $ck, $rid, $rseq16, $rseq) = unpack('CCnnnN', substr($buf, $ihl, 12));
  next unless $type == 0 && $rid == $id;
  printf "R %d %.6f\n", $rseq, $t;
  $received++;
}
print "E $sent $received\n";
