#!/usr/bin/env python3
"""Writes docs/reliability.md from scripts/reliability.md.in, README.md's exit-code table and the
report of the last `make chaos` (build/chaos.md).  Run by `make chaos-doc`; the fuzzing figures are in the
template (they come from `make fuzz`, which is not run here)."""
import re,sys
rep=open('build/chaos.md').read()
def section(title):
    i=rep.index('### '+title)
    j=rep.find('\n### ',i+1)
    s=rep[i:j if j>0 else len(rep)]
    s='\n'.join(l for l in s.split('\n') if not l.startswith('- known:') and not l.startswith('- FAILED'))
    return s.strip()+'\n'
def body(title):
    s=section(title)
    return s[s.index('\n')+1:].strip()+'\n'
matrix=body('The fault matrix')
deadl=body('Deadlines and waits')
malf=body('Malformed answers from an adversarial server')
def killsum(title):
    s=section(title)
    rows=[l for l in s.split('\n') if l.startswith('| ') and 'SIGKILL after' in l]
    ok=sum(1 for l in rows if 'the re-run converged' in l)
    return len(rows), ok
camp=re.search(r'## Chaos campaign: (\d+) cells in (\d+) s',rep)
k1=killsum('Kill-anywhere: SIGKILL after each progress event of a provision')
k2=killsum('Kill-anywhere during destroy, then destroy again')
k3=killsum('Kill-anywhere during provision, then destroy')
readme=open('README.md').read()
i=readme.index('| code | meaning | what to do next |')
j=readme.index('\n\n',i)
exits=readme[i:j]
tmpl=open(sys.argv[1]).read()
out=tmpl.format(exits=exits,k1n=k1[0],k1ok=k1[1],k2n=k2[0],k2ok=k2[1],k3n=k3[0],k3ok=k3[1],cells=camp.group(1),secs=camp.group(2),matrix=matrix,deadl=deadl,malf=malf)
open('docs/reliability.md','w').write(out)
