#!/usr/bin/perl
# Turns an strace log (strace -f -v -s 4096 -e trace=sendmsg,sendto,ioctl) of a process
# talking rtnetlink and nftables into one line per kernel write, in the order sent:
#
#   LINE nft NEWCHAIN table=failoverd name=in_eth0
#   LINE nft NEWTABLE table=failoverd name=failoverd
#   LINE rtnl RTM_SETLINK index=7 flags=IFF_UP change=0x1 ifname=eth0 kind=bridge up=1
#   LINE ioctl SIOCSIFFLAGS name=eth0 flags=IFF_UP|IFF_BROADCAST up=1
#
# up=1 when the write sets IFF_UP: ifi_flags has it and ifi_change is 0 (replace all
# flags) or includes it.
# index is the number strace printed, or the name in if_nametoindex("NAME"). Reads
# (RTM_GET*, NFT_MSG_GET*) are left out. strace prints attribute strings in hex when
# they end in a NUL; they are decoded here, the NUL dropped.
use strict;
use warnings;

sub attr {  # the string value of the attribute with nla_type=TYPE in message text M
  my ($m, $type) = @_;
  return $1 if $m =~ /nla_type=\Q$type\E\},\s*"([^"]*)"/;
  return "";
}

while (my $line = <>) {
  my $ln = $.;
  $line =~ s/\\x([0-9a-fA-F]{2})/$1 eq "00" ? "" : chr(hex($1))/ge;
  if ($line =~ /ioctl\(\d+(?:<[^>]*>)?,\s*SIOCSIFFLAGS,\s*\{ifr_name="([^"]*)",\s*ifr_flags=([^}]*)\}/) {
    my ($name, $flags) = ($1, $2);
    my $up = $flags =~ /IFF_UP/ ? 1 : 0;
    print "$ln ioctl SIOCSIFFLAGS name=$name flags=$flags up=$up\n";
    next;
  }
  next unless $line =~ /send(?:msg|to|mmsg)\(/;
  my @msgs = split /\{nlmsg_len=/, $line;
  shift @msgs;
  for my $m (@msgs) {
    next unless $m =~ /nlmsg_type=([^,]+),/;
    my $type = $1;
    if ($type =~ /NFT_MSG_((?:NEW|DEL|DESTROY)\w+)/) {
      my $op = $1;
      # NFTA_*_TABLE is attribute 1 for every object; the object's own name is 3 for
      # chains, 2 for sets, 1 for tables.
      my $table = attr($m, "0x1");
      my $name = $op =~ /CHAIN/ ? attr($m, "0x3") : $op =~ /SET/ ? attr($m, "0x2") : $table;
      $name = attr($m, "0x2") if $op =~ /RULE/;  # the chain a rule goes to
      print "$ln nft $op table=$table name=$name\n";
    } elsif ($type =~ /^RTM_(NEW|DEL|SET)\w+/) {
      my ($index) = $m =~ /(?:ifi_index|ifa_index|ndm_ifindex)=(if_nametoindex\("[^"]*"\)|\d+)/;
      $index //= "";
      $index = $1 if $index =~ /if_nametoindex\("([^"]*)"\)/;
      my ($flags) = $m =~ /ifi_flags=([^,}]+)/;
      my ($change) = $m =~ /ifi_change=([^,}]+)/;
      my $ifname = attr($m, "IFLA_IFNAME");
      my $kind = attr($m, "IFLA_INFO_KIND");
      $flags //= "";
      $change //= "";
      my $up = 0;
      if ($flags =~ /IFF_UP/) {
        $up = 1 if $change eq "" || $change eq "0" || $change =~ /IFF_UP/;
        $up = 1 if $change =~ /^0x([0-9a-fA-F]+)$/ && (hex($1) & 1);
        $up = 1 if $change =~ /^(\d+)$/ && ($1 & 1);
      }
      print "$ln rtnl $type index=$index flags=$flags change=$change ifname=$ifname kind=$kind up=$up\n";
    }
  }
}
