#!/usr/bin/perl
# Reverse direction, second signer: Perl Mail::DKIM signs every corpus message with the RSA key in
# all four canonicalizations; `dkimctl verify` must then pass each file.
#
# Usage: perlsign.pl PORT CORPUSDIR OUTDIR RSA_PKCS1_PEM LISTFILE
# Mail::DKIM is fed CRLF (bare LF turned into CRLF); the signature header it returns is written
# with the message's own line ending in front of the untouched original bytes.  Each file is
# first verified with Mail::DKIM::Verifier itself against our dnsmasq on 127.0.0.1:PORT
# (harness self-check; a file that does not pass there is reported and not handed to dkimctl).
# LISTFILE gets lines:  PATH  LABEL  pass  rsa1  rsa-sha256   (appended)
# Prints PASS/FAIL/SKIP lines and a final "COUNT passed failed skipped".
use strict;
use warnings;
my $DOMAIN = $ENV{ORACLE_DOMAIN} // 'oracle.test';
use Mail::DKIM::PrivateKey;
use Mail::DKIM::Signer;
use Mail::DKIM::Verifier;
use Mail::DKIM::DNS;
use Net::DNS;

my ($port, $corpus, $out, $keyfile, $list) = @ARGV;
die "usage: perlsign.pl PORT CORPUSDIR OUTDIR RSA_PKCS1_PEM LISTFILE\n" unless defined $list;
my $res = Net::DNS::Resolver->new(nameservers => ['127.0.0.1'], port => $port, recurse => 1,
                                  udp_timeout => 5, tcp_timeout => 5, retry => 2);
$res->defnames(0);
$res->dnsrch(0);
Mail::DKIM::DNS::resolver($res);
my $key = Mail::DKIM::PrivateKey->load(File => $keyfile);
$key->cork or die "cannot load RSA key $keyfile\n";
mkdir $out unless -d $out;

my ($npass, $nfail, $nskip) = (0, 0, 0);
open(my $lf, '>>', $list) or die "cannot write $list: $!\n";
opendir(my $dh, $corpus) or die "cannot open $corpus: $!\n";
for my $fname (sort grep { /\.eml$/ } readdir $dh) {
    (my $name = $fname) =~ s/\.eml$//;
    my $orig;
    {
        local $/;
        open(my $fh, '<:raw', "$corpus/$fname") or die "cannot read $fname: $!\n";
        $orig = <$fh>;
        close $fh;
    }
    my $eol = ($orig =~ /\A[^\n]*\r\n/) ? "\r\n" : "\n";
    (my $crlf = $orig) =~ s/(?<!\r)\n/\r\n/g;
    for my $canon ('simple/simple', 'simple/relaxed', 'relaxed/simple', 'relaxed/relaxed') {
        my $label = "$name $canon rsa-sha256 Mail::DKIM-signed [dkimctl verify]";
        if ($canon =~ m{/simple$} && $crlf !~ /\n\z/ && $crlf =~ /\r\n\r\n./s) {
            print "SKIP $label: Mail::DKIM's simple body hash is non-RFC for a body without final CRLF\n";
            $nskip++;
            next;
        }
        my $sigline;
        eval {
            my $s = Mail::DKIM::Signer->new(
                Algorithm => 'rsa-sha256',
                Method    => $canon,
                Domain    => $DOMAIN,
                Selector  => 'rsa1',
                Key       => $key,
            );
            $s->PRINT($crlf);
            $s->CLOSE;
            $sigline = $s->signature->as_string;
            1;
        } or do {
            (my $e = $@) =~ s/\s+/ /g;
            print "FAIL $label: Mail::DKIM cannot sign (harness problem): $e\n";
            $nfail++;
            next;
        };
        my ($vres, $vdetail) = ('none', '');
        eval {
            my $v = Mail::DKIM::Verifier->new();
            (my $sl = $sigline) =~ s/\r?\n/\r\n/g;
            $v->PRINT($sl . "\r\n" . $crlf);
            $v->CLOSE;
            ($vres, $vdetail) = ($v->result // 'none', $v->result_detail // '');
            1;
        } or do { ($vdetail = $@) =~ s/\s+/ /g; $vres = 'exception'; };
        if ($vres ne 'pass') {
            print "FAIL $label: harness self-check: Mail::DKIM cannot verify its own signature ($vdetail)\n";
            $nfail++;
            next;
        }
        $sigline =~ s/\r?\n/$eol/g;
        my $signed = $sigline . $eol . $orig;
        (my $c = $canon) =~ s{/}{-};
        my $path = "$out/$name.$c.rsa1.mdkim.eml";
        open(my $wf, '>:raw', $path) or die "cannot write $path: $!\n";
        print $wf $signed;
        close $wf;
        print $lf "$path\t$label\tpass\trsa1\trsa-sha256\n";
    }
}
closedir $dh;
close $lf;
print "COUNT $npass $nfail $nskip\n";
exit 0;
