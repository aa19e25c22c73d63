#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# test-data/mini.bam cut 10 bytes into the 32-byte core of its 9th record
# (the records block recompressed up to there, then the EOF block), beside
# the index of the whole file: reading the first KRAS site runs off the end
# inside a record (htslib error -3, which rust-htslib's own readers take
# for success; cfspot's region reader must not).
python3 - <<'PY'
import struct, zlib
d=open('../../mini.bam','rb').read()
blocks=[]; at=0
while at<len(d):
    bsize=struct.unpack('<H',d[at+16:at+18])[0]+1
    blocks.append((at,bsize)); at+=bsize
inflate=lambda b: zlib.decompress(d[b[0]+18:b[0]+b[1]-8],-15)
raw=b''.join(inflate(b) for b in blocks)
l_text=struct.unpack('<I',raw[4:8])[0]; a=8+l_text; n=struct.unpack('<I',raw[a:a+4])[0]; a+=4
for _ in range(n):
    ln=struct.unpack('<I',raw[a:a+4])[0]; a+=4+ln+4
starts=[]
while a<len(raw):
    starts.append(a); a+=4+struct.unpack('<i',raw[a:a+4])[0]
bounds=[]; u=0
for b in blocks:
    L=len(inflate(b)); bounds.append((u,u+L)); u+=L
def bgzf(data):
    c=zlib.compressobj(6,zlib.DEFLATED,-15); cd=c.compress(data)+c.flush()
    hdr=b'\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff\x06\x00BC\x02\x00'+struct.pack('<H',len(cd)+25)
    return hdr+cd+struct.pack('<II',zlib.crc32(data)&0xffffffff,len(data))
lo,hi=bounds[1]
cut=starts[8]+10
out=d[blocks[0][0]:blocks[0][0]+blocks[0][1]]+bgzf(raw[lo:cut])+d[blocks[2][0]:]
open('cut.bam','wb').write(out)
PY
samtools index -c ../../mini.bam -o cut.bam.csi
