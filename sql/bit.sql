-- Binary vectors: Postgres's bit(n) with Hamming and Jaccard distances.
SELECT hamming_distance('1011', '1011'), hamming_distance('1011', '0100'), B'1100' <~> B'1010';
SELECT jaccard_distance('1111', '1100'), jaccard_distance('1100', '1010'), B'1100' <%> B'0011',
	jaccard_distance('0000', '0000'), jaccard_distance('', '');
-- Lengths that span several 64-bit words and a partial byte.
SELECT hamming_distance(repeat('10', 100)::bit(200), repeat('01', 100)::bit(200)),
	jaccard_distance(repeat('1', 131)::varbit, (repeat('1', 65) || repeat('0', 66))::varbit);
SELECT binary_quantize('[1,-1,2,0]'::vector) <~> binary_quantize('[1,1,-2,0]'::vector);
SELECT hamming_distance('101', '10');
SELECT jaccard_distance('101', '1011');
