#!/usr/bin/perl
# Compares what `ip monitor link` saw with the links recorded before (TSV: ifindex,
# name, master or "-", flags, operstate) and prints every flap: a link deleted,
# renamed, gone down, losing carrier, changing master, or new. Exit 1 on any flap.
#   link_flaps.pl [--strict] LINKS.tsv MONITOR.out
# Default (for `ip -ts monitor link`, whose entries span lines): lines that are not a
# link line are skipped, and the operstate counts only when it was UP.
# --strict (for `ip -o monitor link`, one line per event): a line that is not a link
# line is itself a failure, any operstate change is a flap, and a line repeating the
# recorded state is printed as "SAME: ...".
use strict;
use warnings;

my $strict = 0;
if (@ARGV && $ARGV[0] eq "--strict") { $strict = 1; shift @ARGV; }
my %before;
open(my $fh, "<", $ARGV[0]) or die "$ARGV[0]: $!";
while (<$fh>) { chomp; my ($i, $n, $m, $f, $o) = split /\t/; $before{$i} = [$n, $m, $f, $o]; }
open(my $mon, "<", $ARGV[1]) or die "$ARGV[1]: $!";
my ($bad, $seen, $info) = (0, 0, 0);
while (my $l = <$mon>) {
  if ($l !~ /^(?:\[[^\]]*\]\s+)?(Deleted\s+)?(\d+):\s+([^:@\s]+)(?:@\S+)?:\s+<([^>]*)>(.*)$/) {
    if ($strict) { print "UNPARSED: $l"; $bad++; }
    next;
  }
  my ($del, $idx, $name, $flags, $rest) = ($1, $2, $3, $4, $5);
  next if $name eq "lo";  # the tests' fence
  $seen++;
  my $b = $before{$idx};
  if (!$b) { print "NEW LINK: $l"; $bad++; next; }
  my ($bn, $bm, $bf, $bo) = @$b;
  my %bf = map { $_ => 1 } split /,/, $bf;
  my %f = map { $_ => 1 } split /,/, $flags;
  my ($master) = $rest =~ /\smaster\s+(\S+)/;
  my ($state) = $rest =~ /\sstate\s+(\S+)/;
  my @why;
  push @why, "deleted" if $del;
  push @why, "renamed $bn -> $name" if $name ne $bn;
  push @why, "went down" if $bf{UP} && !$f{UP};
  push @why, "lost carrier" if $bf{LOWER_UP} && !$f{LOWER_UP};
  push @why, "NO-CARRIER" if !$bf{"NO-CARRIER"} && $f{"NO-CARRIER"};
  push @why, "master " . ($master // "none") . " instead of $bm" if $bm ne "-" && ($master // "") ne $bm;
  push @why, "enslaved to $master" if $bm eq "-" && defined $master;
  push @why, "state $state instead of $bo" if defined $state && $state ne $bo && ($strict || $bo eq "UP");
  if (@why) { print "FLAP (", join("; ", @why), "): $l"; $bad++; }
  elsif ($strict) { print "SAME: $l"; $info++; }
}
if ($strict) { print "$seen monitor line(s) about the server links, $info repeating the unchanged state\n"; }
else { print "checked $seen monitor lines\n"; }
exit($bad ? 1 : 0);
