"""Where a JFR recording of chatd spends CPU and allocation, by frame (issue 15), and, for a stream
recording, where the time before the first token goes, from zero-threshold socket events.

  python3 bench/jfr-frames.py REC.jfr [cpu] [cpu2] [alloc] [parks] [timeline UPSTREAM_PORT]

cpu: jdk.ExecutionSample by top frame, inclusive, and by innermost chatd frame; cpu2: by package of
the top frame and by innermost chatd frame -> its callee; alloc: jdk.ObjectAllocationSample weight
by class, site and innermost chatd frame (a sample weighing over 50 MB is dropped: a new virtual
thread's first sample carries its carrier's history); parks: jdk.ThreadPark by site; timeline:
per stream, the gaps between the request's read, the upstream write, the upstream's first read
and the first write to the client.
"""
import subprocess, sys, re, collections
import os
JFR=os.path.join(os.environ['JAVA_HOME'],'bin','jfr') if os.environ.get('JAVA_HOME') else 'jfr'
def events(f, ev, depth=48):
    out = subprocess.run([JFR,'print','--events',ev,'--stack-depth',str(depth),f],capture_output=True,text=True).stdout
    cur=None; inst=False
    for line in out.splitlines():
        s=line.strip()
        if s.startswith(ev.split('.')[-1]+' {') or re.match(r'^[\w.]+ \{$', s) and not inst and cur is None:
            cur={'frames':[], 'fields':{}}; continue
        if cur is None: continue
        if s.startswith('stackTrace = ['): inst=True; continue
        if inst:
            if s==']': inst=False; continue
            if s=='...': continue
            cur['frames'].append(re.sub(r'\s+line:.*','',s)); continue
        if s=='}' and line.startswith('}'):
            yield cur; cur=None; continue
        m=re.match(r'(\w+) = (.*)',s)
        if m: cur['fields'][m.group(1)]=m.group(2)
UNITS={'bytes':1,'byte':1,'kB':1024,'MB':1024**2,'GB':1024**3}
def size(v):
    m=re.match(r'([\d.,]+)\s*(\w+)',v); 
    return float(m.group(1).replace(',',''))*UNITS.get(m.group(2),1) if m else 0
def short(fr): return fr.replace('io.helidon.','h.').replace('java.util.concurrent.','j.u.c.').replace('dev.chatd.','chatd.')
def top(counter,total,n,title,unit=''):
    print(f'\n{title} (total {total:.0f}{unit})')
    for k,v in counter.most_common(n): print(f'  {100*v/total:5.1f}%  {short(k)}')
def cpu(f,n=15):
    self_c=collections.Counter(); incl=collections.Counter(); chatd=collections.Counter(); tot=0
    for e in events(f,'jdk.ExecutionSample'):
        fr=e['frames']
        if not fr: continue
        tot+=1; self_c[fr[0]]+=1
        for x in set(fr): incl[x]+=1
        c=next((x for x in fr if x.startswith('dev.chatd')),'(no chatd frame)'); chatd[c]+=1
    top(self_c,tot,n,'CPU samples, top frame (self)')
    top(incl,tot,n,'CPU samples, inclusive (frame anywhere on the stack)')
    top(chatd,tot,n,'CPU samples by innermost chatd frame')
def alloc(f,n=15):
    site=collections.Counter(); cls=collections.Counter(); chatd=collections.Counter(); tot=0
    for e in events(f,'jdk.ObjectAllocationSample'):
        w=size(e['fields'].get('weight','0 bytes'))
        if w>50*2**20: continue  # a new virtual thread's first sample carries its carrier's history
        tot+=w
        c=e['fields'].get('objectClass','?').split(' ')[0]; cls[c]+=w
        fr=[x for x in e['frames'] if not x.startswith(('java.util.Arrays.copyOf','java.lang.String','java.lang.AbstractStringBuilder','java.lang.StringBuilder','java.lang.StringLatin1','java.lang.StringUTF16'))]
        site[(fr[0] if fr else '?')+'  ['+c+']']+=w
        chatd[next((x for x in e['frames'] if x.startswith('dev.chatd')),'(no chatd frame)')]+=w
    for title,cnt in (('allocation by class',cls),('allocation by site (first non-copy frame) [class]',site),('allocation by innermost chatd frame',chatd)):
        print(f'\n{title} (total {tot/2**20:.0f} MB sampled weight)')
        for k,v in cnt.most_common(n): print(f'  {100*v/tot:5.1f}%  {short(k)}')

def pkg(fr):
    m=fr.split('(')[0].rsplit('.',2)[0]
    for p,name in (('io.helidon.webserver','helidon webserver'),('io.helidon.webclient','helidon webclient'),('io.helidon.http','helidon http (headers)'),('io.helidon.common','helidon common (buffers, data reader)'),
                   ('dev.chatd','chatd'),('java.lang.VirtualThread','VT scheduling'),('jdk.internal.vm','VT scheduling'),('java.util.concurrent','j.u.c (FJP, locks, CHM)'),
                   ('sun.nio','JDK socket I/O'),('java.net','java.net'),('java.util.logging','JUL'),('sun.nio.ch','JDK socket I/O'),('java.io','java.io'),('java.lang','java.lang (strings etc.)'),('java.util','java.util')):
        if fr.startswith(p): return name
    return fr.split('(')[0].rsplit('.',2)[0]
def cpu2(f,n=15):
    grp=collections.Counter(); callee=collections.Counter(); tot=0; own=collections.Counter()
    for e in events(f,'jdk.ExecutionSample'):
        fr=e['frames']
        if not fr: continue
        tot+=1; grp[pkg(fr[0])]+=1
        i=next((i for i,x in enumerate(fr) if x.startswith('dev.chatd')),None)
        if i is None: callee['(no chatd frame) '+next((x for x in fr if x.startswith('io.helidon')),fr[0])]+=1
        else: callee[fr[i].split('(')[0]+' -> '+(fr[i-1].split('(')[0] if i>0 else '(self)')]+=1
    top(grp,tot,n,'CPU samples by package of the top frame')
    top(callee,tot,25,'CPU samples by innermost chatd frame -> the frame it called')
def dur(v):
    m=re.match(r'([\d.,]+)\s*(\w+)',v)
    if not m: return 0
    x=float(m.group(1).replace(',','')); u=m.group(2)
    return x*{'ns':1e-6,'us':1e-3,'ms':1,'s':1000}.get(u,1)
def parks(f,ev='jdk.ThreadPark',n=12):
    by=collections.defaultdict(list)
    for e in events(f,ev,12):
        fr=[x.split('(')[0] for x in e['frames'] if not x.startswith(('java.lang.VirtualThread','java.lang.System$','jdk.internal.misc','java.util.concurrent.locks.LockSupport'))]
        key=' < '.join(short(x) for x in fr[:3])
        by[key].append(dur(e['fields'].get('duration','0 ms')))
    print(f'\n{ev} by site (count, median ms, total ms)')
    for k,v in sorted(by.items(),key=lambda kv:-len(kv[1]))[:n]:
        v.sort(); print(f'  {len(v):7d} {v[len(v)//2]:8.3f} {sum(v):10.0f}  {k}')

def timeline(f, port):
    import json, datetime
    out = subprocess.run([JFR,'print','--json','--stack-depth','1','--events','jdk.SocketRead,jdk.SocketWrite',f],capture_output=True,text=True).stdout
    def t(s):
        base, frac = s.rstrip('Z').split('.')
        return datetime.datetime.fromisoformat(base).timestamp() + int(frac.ljust(9, '0')) / 1e9
    ev = []
    for e in json.loads(out)['recording']['events']:
        v = e['values']; st = t(v['startTime']); end = st + float(v['duration'][2:-1])
        ev.append((st, end, ('up' if v.get('port') == port else 'cl') + ('R' if 'Read' in e['type'] else 'W')))
    ev.sort()
    A, B, C, D = [], [], [], []
    i = 0
    while i < len(ev):
        if ev[i][2] != 'clR': i += 1; continue
        t0 = ev[i][1]; j = i + 1; tw = t1 = t2 = tr = None
        while j < len(ev) and ev[j][2] != 'clR':
            k = ev[j][2]
            if k == 'upW' and tw is None: tw = ev[j][0]
            if k == 'upR' and tr is None: tr = ev[j][0]; t1 = ev[j][1]
            if k == 'clW' and t1 is not None and t2 is None: t2 = ev[j][0]
            j += 1
        if tr and t2:
            D.append(tr - t0); C.append(t2 - t1)
            if tw: A.append(tw - t0); B.append(t1 - tw)
        i = j
    print(f'\nstream timeline ({len(C)} streams)')
    for name, x in (('request read ends -> upstream request write starts', A), ('upstream write starts -> first upstream read returns', B),
                    ('request read ends -> first upstream read starts', D), ('first upstream read returns -> first client write starts', C)):
        x.sort(); print(f'  {name:58s} p50 {1000*x[len(x)//2]:.3f} ms  p90 {1000*x[int(len(x)*.9)]:.3f} ms')

if __name__ == '__main__':
    f = sys.argv[1]; what = sys.argv[2:] or ['cpu', 'alloc']
    if 'cpu' in what: cpu(f)
    if 'cpu2' in what: cpu2(f)
    if 'alloc' in what: alloc(f)
    if 'parks' in what: parks(f)
    if 'timeline' in what: timeline(f, int(what[what.index('timeline') + 1]))
