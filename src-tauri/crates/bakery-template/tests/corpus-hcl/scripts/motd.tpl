Built by ${team}%{ if length(disks) > 0 } with disks%{ for d in disks } ${d}%{ endfor }%{ endif }
